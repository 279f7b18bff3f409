"""`python -m fakestripe --port 12111 --webhook-url … --webhook-secret …`."""

from .cli import main

if __name__ == "__main__":
    main()
