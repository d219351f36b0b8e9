// The FrameRenderer a SimulationSettings describes — PSF model and its parameters, the cutoff
// beyond which emitters are skipped, the tables' side, background and camera — for any code that
// renders frames with the simulator's functor (MovieSimulator, the nets' training data).
#pragma once

#include "simulation/frame_renderer.h"
#include "simulation/movie_simulator.h"

namespace smlm::simulation {

// Everything but emitters, size, tables, frame and out; the camera without s.camera_maps (a
// frame's view of them depends on where it lies: CameraNoise::from(camera, view)). The spline's
// coefficients are those of s.spline, the background map s.background_map's (host memory): s
// must outlive the renderer.
FrameRenderer frame_renderer_for(const SimulationSettings& s);

}  // namespace smlm::simulation
