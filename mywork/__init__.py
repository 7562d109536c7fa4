"""My work: what waits for a person across every alliance they belong to."""
