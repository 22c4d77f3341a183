"""The daily report, modelled on the OSCE Special Monitoring Mission's: HTML, PDF, Markdown."""
