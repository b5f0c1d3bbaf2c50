"""Built-in component kinds; importing this package registers them all."""
