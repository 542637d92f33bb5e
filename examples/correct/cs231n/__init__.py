"""A CS231n-shaped package written for gradcheck's examples: layers, sandwich layers, nets (rows are examples)."""
