"""Time: the profile's time rules turned into deadlines, the worker that fires them, the inbox, the calendar."""
