"""The catalog domain: products, lots, claims, images and search."""
