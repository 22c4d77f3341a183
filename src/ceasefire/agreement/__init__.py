"""The agreement as data: terms, geometry and rules a mission edits in files."""
