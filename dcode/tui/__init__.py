"""The terminal face of the loops (`dcode tui`): what a solve run is doing, folded from its event stream."""
