"""Models that read micrographs: the tile CNN, LIME on superpixels, users' own ONNX models."""
