"""The data files of customer_core.quality, and the generator that builds them (`build`)."""
