"""The app's Home tab: the incidents a person may see, theirs first."""
