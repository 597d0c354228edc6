"""The panel: push-to-talk buttons in, status light out (gpiozero, a terminal, or nothing).

`voiced.panel.factory.make_panel()` picks the board and builds the right one.
"""
