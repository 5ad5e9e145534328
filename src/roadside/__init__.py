"""RoadSide+ TT: roadside assistance dispatch for Trinidad and Tobago."""
