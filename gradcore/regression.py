"""Being written in this session."""
Trajectory = gradient_descent = max_stable_learning_rate = mse_gradient = mse_loss = sklearn_reference = None
