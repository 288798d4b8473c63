// Package jaring holds the vocabulary every part of Jaring shares: the error
// type and its codes, organisations, dates and periods, and page requests.
// It imports nothing of the project, so every other package may import it.
package jaring
