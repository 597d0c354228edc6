"""Pure decisions: no I/O, time passed in. Everything here tests without an event loop."""
