"""The Micrographs page: thumbnails, scale, rod measurement, the image viewer and rod table."""
