"""The live card and what is done from it: Update, Resolve, Reopen, Retry of an update, and
/declare list.
"""
