def largest(numbers: list) -> int:
    """Return the largest number in a non-empty list.
    >>> largest([3, 1, 2])
    3
    >>> largest([-5, -2, -9])
    -2
    >>> largest([7])
    7
    """
