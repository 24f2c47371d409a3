; Inno Setup 6 script: a per-user installer of the frozen NR Studio folder (no admin rights).
; Build on Windows after `packaging\build_windows.ps1` has frozen the app:
;   iscc /DAppVersion=0.2.0 packaging\windows\nrstudio.iss
; Output: packaging\build\out\NRStudio-<version>-setup.exe

#ifndef AppVersion
  #define AppVersion "0.2.0"
#endif
#define AppName "NR Studio"
#define AppExe "nrstudio.exe"
#define DistDir "..\build\dist\nrstudio"

[Setup]
AppId={{6E1B0F3A-2C57-4E0B-9A51-3B1F4C8D7E21}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=NR Studio developers
DefaultDirName={localappdata}\Programs\NR Studio
DefaultGroupName={#AppName}
; Per user: installs under the user's profile, writes only HKCU, needs no administrator.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ChangesAssociations=yes
DisableProgramGroupPage=yes
OutputDir=..\build\out
OutputBaseFilename=NRStudio-{#AppVersion}-setup
SetupIconFile=nrstudio.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
WizardStyle=modern

[Files]
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{userprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Predict, explain and measure nanorod sizes"
Name: "{userdesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Registry]
; The .nrproj association, for this user only (HKCU\Software\Classes).
Root: HKCU; Subkey: "Software\Classes\.nrproj"; ValueType: string; ValueName: ""; ValueData: "NRStudio.Project"; Flags: uninsdeletevalue
Root: HKCU; Subkey: "Software\Classes\NRStudio.Project"; ValueType: string; ValueName: ""; ValueData: "NR Studio project"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\NRStudio.Project\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"
Root: HKCU; Subkey: "Software\Classes\NRStudio.Project\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""

[Run]
Filename: "{app}\{#AppExe}"; Parameters: "--self-test"; Flags: runhidden waituntilterminated; StatusMsg: "Checking the installation…"
Filename: "{app}\{#AppExe}"; Description: "Start NR Studio"; Flags: postinstall nowait skipifsilent
