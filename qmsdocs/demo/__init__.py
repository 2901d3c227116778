"""The illustrative data set behind `qms demo`: names not taken from the provincial report are invented."""
