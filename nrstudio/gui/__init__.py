"""Qt views of NR Studio (PySide6 + pyqtgraph). The core never imports from here."""
