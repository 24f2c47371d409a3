"""The Micrographs page's image-model tabs: the tile CNN or a user's own model, LIME on images."""
