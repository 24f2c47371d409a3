"""The application shell: window, document, background jobs, recovery, launch, shared dialogs,
widgets and plots."""
