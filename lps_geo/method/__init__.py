"""The method: selection, analysis, delineation, typology, capability, comparison."""
