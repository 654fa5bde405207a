"""msgops console.screens."""
