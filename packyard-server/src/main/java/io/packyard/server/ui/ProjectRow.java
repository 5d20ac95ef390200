package io.packyard.server.ui;

import io.packyard.builds.model.Build;
import io.packyard.builds.model.BuildProject;
import java.util.Optional;

/** A line of the projects page: a build project and its newest build. */
public record ProjectRow(BuildProject project, Optional<Build> latest) {}
