"""The back-office blueprint where producer groups run their shop (accounts issue)."""
