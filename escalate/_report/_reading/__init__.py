"""Reading: inputs resolved into sources, framed into entries, evidence records found among them."""
