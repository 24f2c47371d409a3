# Freeze NR Studio on Windows and build its installer (run in PowerShell from the repository
# root, with Python 3.11 and Inno Setup 6 installed; `iscc` on the PATH).
$ErrorActionPreference = "Stop"
$build = "packaging\build"
New-Item -ItemType Directory -Force -Path "$build\out" | Out-Null
if (-not (Test-Path "$build\venv\Scripts\python.exe")) { py -3.11 -m venv "$build\venv" }
$py = "$build\venv\Scripts\python.exe"
& $py -m pip install -q -c requirements\lock.txt .
& $py -m pip install -q -r packaging\requirements-build.txt
& $py packaging\make_icons.py
$version = & $py -c "import nrstudio; print(nrstudio.__version__)"
& "$build\venv\Scripts\pyinstaller.exe" --noconfirm --log-level WARN `
    --distpath "$build\dist" --workpath "$build\work" packaging\nrstudio.spec
$env:QT_QPA_PLATFORM = "offscreen"
& "$build\dist\nrstudio\nrstudio.exe" --self-test
if ($LASTEXITCODE -ne 0) { throw "self-test of the frozen app failed" }
Remove-Item Env:\QT_QPA_PLATFORM
iscc "/DAppVersion=$version" packaging\windows\nrstudio.iss
Compress-Archive -Force -Path "$build\dist\nrstudio" -DestinationPath "$build\out\nrstudio-$version-windows-x64.zip"
