"""The app's screens, one module each: the six main screens (one per mode)
and the dialogs they open."""
