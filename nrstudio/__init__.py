"""NR Studio: predict, explain and measure the sizes of colloidal nanorods."""

__version__ = "0.2.0"
