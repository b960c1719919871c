from setuptools import find_packages, setup

setup(
    name="billing",
    version="0.4.0",
    packages=find_packages(exclude=["billing_tests"]),
    python_requires=">=3.10",
    install_requires=[
        "dagster==1.13.0",
        "dagster-postgres>=0.29",
        "stripe~=11.0",
        "sqlalchemy>=2.0,<3",
    ],
    extras_require={"dev": ["dagster-webserver", "pytest"]},
)
