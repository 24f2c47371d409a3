"""TEM micrographs: decoding and scale bars, the rod model and method choice, outlines, tracing,
profiles, measuring, attachments to samples, synthetic images with known rods."""
