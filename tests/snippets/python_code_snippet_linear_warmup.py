# source: rajnish93/Python-Code-Snippet Optimizer-and-loss.py
# run: {"step_per": "batch", "samples": 200, "batch_size": 20, "epochs": 5}
# expect: accept
# reference: {"library": "transformers", "name": "linear", "num_warmup_steps": 0, "num_training_steps": 50, "kwargs": {}}
# define: {"len(df_train)": 200, "TRAIN_BATCH_SIZE": 20}
lr = 0.0001
accumulation_steps = 2
param_optimizer = list(model.named_parameters())
no_decay = ["bias", "LayerNorm.bias", "LayerNorm"]
optimizer_grouped_parameters = [
    {'params': [p for n, p in param_optimizer if not any(
        nd in n for nd in no_decay)], 'weight_decay': 0.01},
    {'params': [p for n, p in param_optimizer if any(
        nd in n for nd in no_decay)], 'weight_decay': 0.0}
]
num_train_optimization_steps = int(
    EPOCHS*len(train_data_loader)//accumulation_steps)
optimizer = AdamW(optimizer_grouped_parameters,
                  lr=lr)
# Another way
optimizer = AdamW(model.parameters(), lr=2e-5, correct_bias=False)
total_steps = len(train_data_loader) * EPOCHS
scheduler = get_linear_schedule_with_warmup(
    optimizer,
    num_warmup_steps=0,
    num_training_steps=num_train_optimization_steps
)
num_train_steps = int(len(df_train) / TRAIN_BATCH_SIZE * EPOCHS)
optimizer = AdamW(optimizer_parameters, lr=3e-5)
scheduler = get_linear_schedule_with_warmup(
    optimizer, num_warmup_steps=0, num_training_steps=num_train_steps
)
loss_fn = nn.CrossEntropyLoss().to(device)
