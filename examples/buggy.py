"""A small file with the mistakes DebugLLM fixes offline."""

import os


def average(numbers)
    total = 0
    for n in numbers:
        total += n
    return total / lenght(numbers)


def grade(score):
    if score = 100:
        return "perfect"
    elif score > 50
        return "pass"
    return "fail"


print(average([1, 2, 3]), grade(70))
