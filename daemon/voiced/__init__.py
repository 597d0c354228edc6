"""voiced: a voice-appliance daemon and realtime speech-to-speech library."""

__version__ = "0.1.0"
