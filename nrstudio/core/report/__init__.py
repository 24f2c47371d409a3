"""The lab-notebook report: what a project holds, as one HTML file and a PDF."""
