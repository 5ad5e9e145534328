"""One transport per external channel; `TRANSPORTS` maps a channel to its sender."""
