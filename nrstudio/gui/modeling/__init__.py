"""The modelling pages: Augment, Train, Predict, Explain."""
