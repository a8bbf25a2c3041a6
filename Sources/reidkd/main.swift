print("reidkd")
