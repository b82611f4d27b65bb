import CEditLine
print("explain")
