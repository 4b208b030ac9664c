def main() -> int:
    print("osipsc")
    return 0
