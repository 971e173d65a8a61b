"""Channel connectors: authenticate, translate, render. They never decide what to say."""
