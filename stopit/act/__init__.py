"""Act: render the desk's messages from templates and hand them to the mail system."""
