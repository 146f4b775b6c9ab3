from setuptools import find_packages, setup

setup(
    name="minigan",
    version="0.1.0",
    description="A readable deep-learning engine on NumPy or CuPy that trains GANs",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["minigan", "minigan.*"]),
    package_data={"minigan.data": ["*.npz", "*.md"], "minigan": ["weights/*.npz"]},
    install_requires=["numpy>=1.24", "scipy", "matplotlib", "tqdm"],
    extras_require={
        "test": ["pytest", "hypothesis"],
        "cuda12": ["cupy-cuda12x"],
        "cuda13": ["cupy-cuda13x"],
    },
    license="MIT",
)
