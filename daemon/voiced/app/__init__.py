"""The daemon: one voice, one mic, one speaker, one panel, wired and supervised."""
