"""Agencies (cơ quan, đơn vị): the province's departments, units and people's committees."""
