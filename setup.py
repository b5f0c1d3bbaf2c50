"""Maps the top-level dsl/ and runtime/ folders onto the one import name `orderloom`.

The design card keeps the stages as top-level folders; installed, they are
`orderloom.dsl` and `orderloom.runtime` (setuptools resolves subpackages by prefix).
"""

from setuptools import find_packages, setup

ROOTS = {"orderloom": "orderloom", "orderloom.dsl": "dsl", "orderloom.runtime": "runtime"}


def packages() -> list[str]:
    found: list[str] = []
    for name, folder in ROOTS.items():
        found.append(name)
        found.extend(f"{name}.{sub}" for sub in find_packages(where=folder))
    return sorted(set(found))


setup(packages=packages(), package_dir=dict(ROOTS))
