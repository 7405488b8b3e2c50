"""What a schedule is and how it is written: declarations, parameters, safe formulas, the registry, the reader
of pasted scheduler code, the names in other libraries, and the bounded, escaped echo of the user text they carry.

The lowest layer: it imports nothing else of lrviz.
"""
