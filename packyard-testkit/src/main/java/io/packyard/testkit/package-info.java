/** Test support shared by the modules' tests: wine prefixes, mingw-built fixtures. Used in test scope only. */
package io.packyard.testkit;
