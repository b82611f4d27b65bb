print("explaind")
