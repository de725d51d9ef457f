"""The drawing layer: static maps of a result and the printable atlas.

Modules: ``primitives`` (drawing shared by maps and atlas), ``map_text`` (map
titles), ``maps`` (the statistic maps and :func:`~lps_geo.render.maps.write_maps`),
``change_map``, ``capability_map``, ``moran_plot`` and the ``atlas`` package.
Rendering never computes a statistic: it draws the columns of a result.
"""
