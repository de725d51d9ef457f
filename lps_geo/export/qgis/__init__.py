"""QGIS styles, raster styles and the project stored in the result GeoPackage."""
